import { describe, expect, it } from 'vitest';
import { extractionSystemPrompt, loadPrompt, PROMPT_FILES } from './prompts.js';

describe('prompt files', () => {
  it.each(Object.keys(PROMPT_FILES) as Array<keyof typeof PROMPT_FILES>)('%s loads', (name) => {
    expect(loadPrompt(name).length).toBeGreaterThan(200);
  });

  it("asks for the seeds' JSON, at most one skill, in the user's language, with the prompt shape", () => {
    const prompt = extractionSystemPrompt(false);
    expect(prompt).toContain('{"skills": []}');
    expect(prompt).toMatch(/At most one skill/);
    expect(prompt).toMatch(/user's language/);
    for (const section of ['# Goal', '# Constraints & Style', '# Workflow'])
      expect(prompt).toContain(section);
    expect(prompt).not.toContain('{max_candidates}');
  });

  it('adds the forced section only on demand', () => {
    expect(extractionSystemPrompt(true)).toContain(extractionSystemPrompt(false));
    expect(extractionSystemPrompt(true)).toMatch(/extract_now/);
    expect(extractionSystemPrompt(false)).not.toMatch(/extract_now/);
  });
});

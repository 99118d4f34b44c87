/**
 * @module The last check before a merged or new skill is written: no secret and no person's name may
 * reach the store, whatever produced the text (the rule-based merge, a model's merge, a candidate).
 * The candidate checks ran already; this re-checks the final text, because a model merge can bring
 * back what they removed, and a rule can carry a credential in a form they do not know.
 *
 * - a line carrying a credential (a key shape, or a credential word with a value) is removed;
 * - remaining secrets and contact data are replaced by placeholders;
 * - person names — found by context (`findPersonNames`) or new in this text compared with what the
 *   skill and the user already wrote (`findNovelNames`) — become `<NAME>` and the placeholder clutter is
 *   tidied away.
 */
import { deidentifyText, findNovelNames, findPersonNames, tidyPlaceholders } from './deidentify.js';
import { carriesCredential } from './maintain-evidence.js';
import { redactSecrets } from './redact-secrets.js';

export interface ScrubOptions {
  /** Text whose names are legitimate (the existing skill, the user's own words). */
  knownText: string;
}

export interface ScrubResult {
  text: string;
  /** What was removed or replaced (kinds only, never the values). */
  removed: Array<'credential-line' | 'secret' | 'name'>;
}

function namesIn(text: string, knownText: string): string[] {
  const known = knownText.toLowerCase();
  const byContext = findPersonNames(text).filter((name) => !known.includes(name.toLowerCase()));
  return [...new Set([...byContext, ...findNovelNames(text, knownText)])];
}

/** Scrubs a multi-line text (a prompt): credential lines out, secrets and new names replaced. */
export function scrubText(text: string, options: ScrubOptions): ScrubResult {
  const removed = new Set<ScrubResult['removed'][number]>();
  const lines = text.split('\n').filter((line) => {
    if (!carriesCredential(line)) return true;
    removed.add('credential-line');
    return false;
  });
  let result = lines.join('\n');
  const redacted = redactSecrets(result);
  if (redacted.findings.length > 0) removed.add('secret');
  result = redacted.text;
  const names = namesIn(result, options.knownText);
  if (names.length > 0) {
    const deidentified = deidentifyText(result, { names });
    if (deidentified.replaced.includes('name')) {
      removed.add('name');
      result = deidentified.text
        .split('\n')
        .map((line) => (line.includes('<NAME>') ? tidyPlaceholders(line) : line))
        .filter((line) => !/^\s*(?:[-*•]|\d+[.)、])?\s*<NAME>\s*[.。]?\s*$/.test(line))
        .join('\n');
    }
  }
  return { text: result, removed: [...removed] };
}

/** Scrubs a short field (name, description, a trigger or a tag); `undefined` when nothing safe is left. */
export function scrubField(text: string, options: ScrubOptions): string | undefined {
  if (carriesCredential(text)) return undefined;
  const scrubbed = scrubText(text, options).text.trim();
  if (scrubbed.length === 0 || /^(?:<[A-Z_]+>\s*)+$/.test(scrubbed)) return undefined;
  return scrubbed;
}

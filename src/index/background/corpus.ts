/**
 * @module The background corpus: a fixed set of short, generic, skill-like documents (English and
 * Chinese, across writing, code, data, operations, science, cooking, travel, law, education, design,
 * health, finance and more) that the product ships, so the calibrated score means the same thing in a
 * store of one skill as in a store of fifty thousand.
 *
 * It plays two parts in a search, and is never a hit:
 * - the **null sample** for vector evidence: a query's cosine with these documents is what "unrelated
 *   skill" looks like for that query (the store itself cannot say: with one skill, its "unrelated
 *   sample" is the relevant skill);
 * - **phantom documents** in keyword IDF: document frequencies are store + background, so a word's
 *   weight is sensible with N = 1 (a word every skill uses, such as "always" or "用户", stays cheap,
 *   and a rare one stays dear, however few skills the store holds).
 *
 * The entries were written for this project; each block of `documents-en.ts` / `documents-zh.ts` is
 * `name | description` followed by its rules, and is rendered as the product stores a learned skill
 * (`renderBackgroundEntry`).
 */
import { createHash } from 'node:crypto';
import { ENGLISH_BACKGROUND } from './documents-en.js';
import { CHINESE_BACKGROUND } from './documents-zh.js';

/** One background document, shaped like a skill with the fields retrieval reads. */
export interface BackgroundDocument {
  /** `background:<lang>:<n>`; never a skill id (skill ids are UUIDs or paths). */
  id: string;
  name: string;
  description: string;
  instructions: string;
  triggers: string[];
  tags: string[];
}

export interface BackgroundCorpus {
  documents: readonly BackgroundDocument[];
  /** SHA-1 over every document: identifies this corpus in caches of its vectors. */
  digest: string;
}

/** One written entry: a capability's name, what it is for, and its rules. */
export interface BackgroundEntry {
  name: string;
  description: string;
  rules: string[];
}

/** Parses blocks of `name | description` + rule lines, separated by blank lines. */
export function parseBackgroundEntries(text: string): BackgroundEntry[] {
  const entries: BackgroundEntry[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
    const head = lines[0];
    if (head === undefined) continue;
    const separator = head.indexOf('|');
    entries.push({
      name: (separator < 0 ? head : head.slice(0, separator)).trim(),
      description: separator < 0 ? '' : head.slice(separator + 1).trim(),
      rules: lines.slice(1),
    });
  }
  return entries;
}

export type BackgroundLanguage = 'en' | 'zh';

/** How the product's two writers phrase a skill: a model (or a library author), or the offline extractor. */
type Writer = 'model' | 'offline-rules' | 'offline-workflow' | 'offline-capability';
const WRITERS: readonly Writer[] = [
  'model',
  'offline-rules',
  'model',
  'offline-workflow',
  'model',
  'offline-rules',
  'model',
  'offline-capability',
];

function firstSentence(text: string): string {
  const match = /^.*?[.。!！?？](?=\s|$)/u.exec(text);
  return (match ? match[0] : text).trim();
}

/**
 * Renders an entry as the product stores a learned skill: `# Goal` and `# Constraints & Style` (or
 * `# Workflow`) sections, triggers and tags, with the description and goal phrased either as a model
 * writes them (the entry's own words) or as the offline extractor does (its fixed sentence frames, as in
 * src/learn/skill-naming.ts). A store of learned skills repeats those frames in every skill, so they
 * must count as common words and common wording here too; otherwise a fresh store would take two skills
 * that share only the frame for the same capability.
 */
export function renderBackgroundEntry(
  entry: BackgroundEntry,
  options: { id: string; language: BackgroundLanguage; position: number },
): BackgroundDocument {
  const writer = WRITERS[options.position % WRITERS.length] as Writer;
  const zh = options.language === 'zh';
  const phrase = zh ? entry.name : entry.name.replace(/[-_]+/g, ' ');
  const examples = entry.rules
    .slice(0, 2)
    .map((rule) => rule.replace(/[。.!！;；,，\s]+$/u, ''))
    .join(zh ? '；' : '; ');
  let description = entry.description;
  let goal = firstSentence(entry.description);
  if (writer === 'offline-capability') {
    description = zh
      ? `完成${phrase}这类任务。在用户再次提出类似需求时使用。`
      : `Handles ${phrase} for this user. Use when a similar request comes up.`;
    goal = zh ? `完成${phrase}这类任务。` : `Handle ${phrase} the way this user asked for it.`;
  } else if (writer !== 'model') {
    const workflow = writer === 'offline-workflow';
    description = zh
      ? `按用户固定的要求处理${phrase}：${examples}。在用户需要${phrase}时使用。`
      : `Applies this user's standing ${workflow ? 'procedure' : 'rules'} for ${phrase}: ${examples}. Use when the user asks for ${phrase}.`;
    goal = workflow
      ? zh
        ? `按用户固定的流程完成${phrase}。`
        : `Carry out ${phrase} by following this user's fixed procedure.`
      : zh
        ? `按用户的长期要求完成${phrase}相关的任务。`
        : `Handle ${phrase} the way this user has asked, every time.`;
  }
  const steps =
    writer === 'offline-workflow'
      ? `# Workflow\n${entry.rules.map((rule, index) => `${index + 1}. ${rule}`).join('\n')}`
      : `# Constraints & Style\n${entry.rules.map((rule) => `- ${rule}`).join('\n')}`;
  const kindTag = writer === 'offline-workflow' ? (zh ? '流程' : 'workflow') : zh ? '规范' : 'style';
  return {
    id: options.id,
    name: entry.name,
    description,
    instructions: `# Goal\n${goal}\n\n${steps}`,
    triggers: [phrase],
    tags: [
      ...new Set(zh ? [phrase, kindTag] : [...phrase.split(' ').filter((word) => word.length > 1), kindTag]),
    ],
  };
}

/** Parses and renders the documents of one language (ids `<idPrefix><n>`, from 1). */
export function parseBackgroundDocuments(
  text: string,
  idPrefix: string,
  language: BackgroundLanguage = 'en',
): BackgroundDocument[] {
  return parseBackgroundEntries(text).map((entry, position) =>
    renderBackgroundEntry(entry, { id: `${idPrefix}${position + 1}`, language, position }),
  );
}

/** Builds a corpus (with its digest) from documents. */
export function createBackgroundCorpus(documents: readonly BackgroundDocument[]): BackgroundCorpus {
  const hash = createHash('sha1');
  for (const document of documents) {
    hash.update(`${document.id}\u0000${document.name}\u0000${document.description}\u0000`);
    hash.update(
      `${document.instructions}\u0000${document.triggers.join('\n')}\u0000${document.tags.join('\n')}\n`,
    );
  }
  return { documents, digest: hash.digest('hex') };
}

let shipped: BackgroundCorpus | undefined;

/** The background the product ships (parsed once). */
export function defaultBackgroundCorpus(): BackgroundCorpus {
  shipped ??= createBackgroundCorpus([
    ...parseBackgroundDocuments(ENGLISH_BACKGROUND, 'background:en:', 'en'),
    ...parseBackgroundDocuments(CHINESE_BACKGROUND, 'background:zh:', 'zh'),
  ]);
  return shipped;
}

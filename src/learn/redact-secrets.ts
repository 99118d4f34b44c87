/**
 * @module Secret and contact-data redaction, applied before any text leaves the machine and to every
 * candidate before it is stored. Each detector targets a shape with a known structure (provider key
 * prefixes, JWT segments, PEM blocks, `key=value` credentials, Luhn-valid card numbers, phone layouts),
 * so years, version numbers, hex colours, UUIDs and commit hashes stay untouched — unlike the original,
 * which replaced every 4-digit number and every 24-character identifier.
 */

export type SecretKind =
  | 'private-key'
  | 'jwt'
  | 'api-key'
  | 'bearer-token'
  | 'url-credential'
  | 'password'
  | 'high-entropy'
  | 'email'
  | 'phone'
  | 'card-number';

export interface RedactionFinding {
  kind: SecretKind;
  /** The placeholder that replaced the value. */
  placeholder: string;
}

export interface RedactionResult {
  text: string;
  findings: RedactionFinding[];
}

/** Kinds that are credentials (never stored, and a sentence holding one never becomes a rule). */
export const CREDENTIAL_KINDS: ReadonlySet<SecretKind> = new Set([
  'private-key',
  'jwt',
  'api-key',
  'bearer-token',
  'url-credential',
  'password',
  'high-entropy',
]);

export const PLACEHOLDERS: Readonly<Record<SecretKind, string>> = {
  'private-key': '<PRIVATE_KEY>',
  jwt: '<JWT>',
  'api-key': '<API_KEY>',
  'bearer-token': '<TOKEN>',
  'url-credential': '<PASSWORD>',
  password: '<PASSWORD>',
  'high-entropy': '<SECRET>',
  email: '<EMAIL>',
  phone: '<PHONE>',
  'card-number': '<CARD_NUMBER>',
};

/** Matches any placeholder we write, so a later pass can recognise already-redacted text. */
export const PLACEHOLDER_PATTERN =
  /<(?:PRIVATE_KEY|JWT|API_KEY|TOKEN|PASSWORD|SECRET|EMAIL|PHONE|CARD_NUMBER)>/g;
export const CREDENTIAL_PLACEHOLDER = /<(?:PRIVATE_KEY|JWT|API_KEY|TOKEN|PASSWORD|SECRET)>/;

type Replacer = (match: string, ...groups: string[]) => string;

interface Detector {
  kind: SecretKind;
  pattern: RegExp;
  /** Builds the replacement; by default the whole match becomes the placeholder. */
  replace?: (placeholder: string) => Replacer;
  /** Extra check on the matched value (Luhn, digit count…). */
  accept?: (match: string) => boolean;
}

const API_KEY_SHAPES = [
  String.raw`sk-ant-(?:api\d{2}-)?[A-Za-z0-9_-]{20,}`,
  `sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}`,
  `(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}`,
  `gh[pousr]_[A-Za-z0-9]{30,}`,
  `github_pat_[A-Za-z0-9_]{40,}`,
  `glpat-[A-Za-z0-9_-]{20,}`,
  `(?:AKIA|ASIA)[0-9A-Z]{16}`,
  `AIza[0-9A-Za-z_-]{35}`,
  `xox[abposr]-[A-Za-z0-9-]{10,}`,
  `hf_[A-Za-z0-9]{30,}`,
  `npm_[A-Za-z0-9]{36}`,
  String.raw`SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}`,
  // ZhipuAI keys are "<32 hex id>.<16 char secret>".
  String.raw`[0-9a-f]{32}\.[A-Za-z0-9]{16}`,
];

const SECRET_WORDS = `api[_-]?key|apikey|secret(?:[_-]?key)?|client[_-]?secret|access[_-]?token|auth[_-]?token|refresh[_-]?token|token|password|passwd|pwd|passphrase|private[_-]?key`;

function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    let value = Number(digits[index]);
    if (double) {
      value *= 2;
      if (value > 9) value -= 9;
    }
    sum += value;
    double = !double;
  }
  return sum % 10 === 0;
}

function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const character of text) counts.set(character, (counts.get(character) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const probability = count / text.length;
    entropy -= probability * Math.log2(probability);
  }
  return entropy;
}

const keepPrefix: Detector['replace'] = (placeholder) => (_match, prefix) => `${prefix}${placeholder}`;

/** Ordered: whole blocks and structured tokens first, generic shapes last. */
const DETECTORS: readonly Detector[] = [
  {
    kind: 'private-key',
    pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  },
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  {
    kind: 'api-key',
    pattern: new RegExp(`(?<![A-Za-z0-9_-])(?:${API_KEY_SHAPES.join('|')})(?![A-Za-z0-9_-])`, 'g'),
    // Real keys always mix in digits; "sk-learn-compatible-estimators" is a phrase.
    accept: (match) => /\d/.test(match),
  },
  {
    kind: 'bearer-token',
    pattern: /\b((?:Bearer|Token|Basic)\s+)[A-Za-z0-9._~+/=-]{12,}/g,
    replace: keepPrefix,
  },
  {
    kind: 'url-credential',
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+(?=@)/gi,
    replace: keepPrefix,
  },
  {
    kind: 'url-credential',
    pattern: new RegExp(String.raw`([?&](?:${SECRET_WORDS}|key|sig|signature)=)[^&\s#]+`, 'gi'),
    replace: keepPrefix,
  },
  {
    kind: 'password',
    pattern: new RegExp(String.raw`(\b(?:${SECRET_WORDS})\b["']?\s*[:=]\s*["']?)[^\s"',;]{4,}`, 'gi'),
    replace: keepPrefix,
  },
  {
    // Natural language: "the password is X", "password changed, it's now X", 密码是X, 密码改成了X,
    // 口令设为X. The Chinese value must hold a Latin letter or a digit and stops at an ideograph, so
    // "密码长度是12位" or "密码是什么" are left alone.
    kind: 'password',
    pattern:
      /(\b(?:password|passcode|passphrase|pwd|pin)\b[^.\n]{0,40}?\b(?:is|was|now|to|=|:)\s+["'`]?)(?=[^\s"'`,;]*?(?:\d|[^\w\s.,;:!?'"`]))[^\s"'`,;]{5,}[^\s"'`,;.!?]|((?:密码|口令|密钥|秘钥|令牌|验证码)[^。\n，,]{0,10}?(?:是|为|改成|改为|换成|换为|设为|设成|设置为|设置成|变成|更新为|更新成|：|:|=)了?\s*["'“‘]?)(?=[^\s，。,;；"“”\u4e00-\u9fff]*[A-Za-z0-9])[^\s，。,;；"“”'‘’\u4e00-\u9fff]{4,}/gi,
    replace: (placeholder) => (_match, englishPrefix, chinesePrefix) =>
      `${englishPrefix ?? chinesePrefix ?? ''}${placeholder}`,
  },
  {
    // "the token is X", "our API key is now X": a value of at least 8 characters mixing letters and
    // digits (so "the key is ready" or "the token is in the vault" stay).
    kind: 'api-key',
    pattern:
      /(\b(?:token|api[ _-]?key|access[ _-]?key|secret(?:[ _-]?key)?|credentials?)\b[^.\n]{0,40}?\b(?:is|was|now|to)\s+["'`]?)(?=[^\s"'`,;]*[A-Za-z])(?=[^\s"'`,;]*\d)[^\s"'`,;]{7,}[^\s"'`,;.!?]/gi,
    replace: keepPrefix,
  },
  {
    kind: 'email',
    pattern: /(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g,
  },
  {
    kind: 'card-number',
    pattern: /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g,
    accept: (match) => {
      const digits = match.replace(/\D/g, '');
      return digits.length >= 13 && digits.length <= 19 && luhnValid(digits);
    },
  },
  {
    kind: 'phone',
    // +CC groups, (NNN) NNN-NNNN, NNN-NNN-NNNN, NNN-NNNN-NNNN and Chinese mobiles 1[3-9]NNNNNNNNN.
    pattern:
      /(?<![\w+])(?:\+\d{1,3}[\s-]?(?:\(\d{1,4}\)[\s-]?)?\d{1,4}(?:[\s-]?\d{2,4}){1,4}|\(\d{3}\)\s?\d{3}[-.\s]\d{4}|\d{3}[-.\s]\d{3,4}[-.\s]\d{4}|1[3-9]\d{9})(?![\w])/g,
    accept: (match) => {
      const digits = match.replace(/\D/g, '').length;
      return digits >= 10 && digits <= 15;
    },
  },
  {
    // Long random-looking tokens: mixed case and digits with high entropy. Pure hex (hashes, UUIDs) and
    // words joined by dashes or underscores are identifiers, not secrets.
    kind: 'high-entropy',
    pattern: /(?<![A-Za-z0-9_+/=-])[A-Za-z0-9_+/=-]{32,}(?![A-Za-z0-9_+/=-])/g,
    accept: (match) =>
      /[a-z]/.test(match) &&
      /[A-Z]/.test(match) &&
      /\d/.test(match) &&
      !/^[0-9a-fA-F-]+$/.test(match) &&
      shannonEntropy(match) >= 4,
  },
];

/** Replaces every secret and contact datum in `text` with a placeholder and lists what was found. */
export function redactSecrets(text: string): RedactionResult {
  const findings: RedactionFinding[] = [];
  let result = text;
  for (const detector of DETECTORS) {
    const placeholder = PLACEHOLDERS[detector.kind];
    result = result.replace(detector.pattern, (match: string, ...rest: unknown[]) => {
      if (detector.accept && !detector.accept(match)) return match;
      findings.push({ kind: detector.kind, placeholder });
      if (!detector.replace) return placeholder;
      const groups = rest.slice(0, -2).map((group) => (typeof group === 'string' ? group : undefined));
      return detector.replace(placeholder)(match, ...(groups as string[]));
    });
  }
  return { text: result, findings };
}

/** True when the text holds a credential (not merely an e-mail or a phone number). */
export function containsCredential(text: string): boolean {
  return (
    redactSecrets(text).findings.some((finding) => CREDENTIAL_KINDS.has(finding.kind)) ||
    CREDENTIAL_PLACEHOLDER.test(text)
  );
}

/** Redacts every string inside a JSON-like value (object keys are left alone). */
export function redactValue<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value).text as T;
  if (Array.isArray(value)) return value.map((item) => redactValue(item)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, redactValue(item)]),
    ) as T;
  }
  return value;
}

/**
 * @module Reading a SKILL.md file's bytes safely: size limit, binary (NUL) detection and strict UTF-8,
 * with errors that name the file and the line.
 */
import { AutoSkillError } from '../shared/errors.js';
import { skillFileError } from './skill-md-text.js';

export interface DecodeSkillFileOptions {
  /** The file's path, used in error messages. */
  source: string;
  /** Larger files are refused. @default 1_000_000 */
  maxBytes?: number;
}

export const DEFAULT_MAX_SKILL_FILE_BYTES = 1_000_000;

function lineOfOffset(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let index = 0; index < offset; index += 1) if (bytes[index] === 10) line += 1;
  return line;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Turns a SKILL.md file's bytes into text: refuses files over `maxBytes`, files with a NUL byte (binary)
 * and invalid UTF-8, each with an `INVALID_SKILL_FILE` error naming the file (and the line when known).
 */
export function decodeSkillFile(bytes: Uint8Array, options: DecodeSkillFileOptions): string {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_SKILL_FILE_BYTES;
  const source = options.source;
  if (bytes.byteLength > maxBytes) {
    throw new AutoSkillError(
      'INVALID_SKILL_FILE',
      `${source}: file is too large (${bytes.byteLength} bytes, limit ${maxBytes})`,
      { details: { source, reason: 'too_large', bytes: bytes.byteLength, maxBytes } },
    );
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    throw skillFileError(source, lineOfOffset(bytes, nul), 'binary', 'file is binary (contains a NUL byte)', {
      offset: nul,
    });
  }
  try {
    return UTF8.decode(bytes);
  } catch (cause) {
    const offset = firstInvalidUtf8(bytes);
    throw new AutoSkillError(
      'INVALID_SKILL_FILE',
      `${source}:${lineOfOffset(bytes, offset)}: file is not valid UTF-8`,
      { cause, details: { source, line: lineOfOffset(bytes, offset), reason: 'invalid_utf8', offset } },
    );
  }
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const byte = bytes[index] ?? 0;
    const length =
      byte < 0x80
        ? 1
        : byte >= 0xc2 && byte < 0xe0
          ? 2
          : byte >= 0xe0 && byte < 0xf0
            ? 3
            : byte >= 0xf0 && byte < 0xf5
              ? 4
              : 0;
    if (length === 0) return index;
    try {
      UTF8.decode(bytes.subarray(index, index + length));
    } catch {
      return index;
    }
    index += length;
  }
  return bytes.length;
}

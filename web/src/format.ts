/** @module Small display helpers: times, scores, message text. */

export function formatTime(value: string | number | null | undefined, lang: string): string {
  if (value === null || value === undefined || value === '') return '';
  const date = new Date(typeof value === 'number' && value < 1e12 ? value * 1000 : value);
  if (Number.isNaN(date.getTime())) return String(value);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay
    ? date.toLocaleTimeString(lang === 'zh' ? 'zh-CN' : 'en-GB', {
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      })
    : date.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', {
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      });
}

export function formatScore(score: number | null | undefined): string {
  return typeof score === 'number' && Number.isFinite(score) ? score.toFixed(3) : '–';
}

/** Text of an OpenAI message `content` (a string or a list of parts). */
export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) =>
        part && typeof part === 'object' && 'text' in part && typeof part.text === 'string' ? part.text : '',
      )
      .join('');
  }
  if (content === null || content === undefined) return '';
  return JSON.stringify(content);
}

export function isLibraryOwner(owner: string | null | undefined): boolean {
  return typeof owner === 'string' && owner.startsWith('library:');
}

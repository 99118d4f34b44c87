/** @module Server-sent events read from a fetch `Response` (EventSource can neither POST nor send an Authorization header). */

export interface SseMessage {
  event: string;
  data: string;
  id: string | null;
}

/**
 * Yields each event of a `text/event-stream` body. Multi-line `data:` fields are joined with `\n`,
 * comments are skipped, the default event name is `message`.
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | null = null;
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let newline = buffer.search(/\r\n|\r|\n/);
      while (newline >= 0) {
        const line = buffer.slice(0, newline);
        const width = buffer.startsWith('\r\n', newline) ? 2 : 1;
        buffer = buffer.slice(newline + width);
        if (line === '') {
          if (data.length > 0) yield { event: event || 'message', data: data.join('\n'), id };
          event = '';
          data = [];
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let fieldValue = colon < 0 ? '' : line.slice(colon + 1);
          if (fieldValue.startsWith(' ')) fieldValue = fieldValue.slice(1);
          if (field === 'event') event = fieldValue;
          else if (field === 'data') data.push(fieldValue);
          else if (field === 'id') id = fieldValue;
        }
        newline = buffer.search(/\r\n|\r|\n/);
      }
    }
    // Unlike EventSource, an event whose final blank line never came is still delivered (a server that
    // ends with `data: …` without it would otherwise lose its last event, often `done`).
    const last = buffer + decoder.decode();
    if (last.startsWith('data:')) data.push(last.slice(last.startsWith('data: ') ? 6 : 5));
    else if (last.startsWith('event:')) event = last.slice(6).trim();
    if (data.length > 0) yield { event: event || 'message', data: data.join('\n'), id };
  } finally {
    reader.releaseLock();
  }
}

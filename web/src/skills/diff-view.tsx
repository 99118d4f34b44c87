/** @module A unified diff, line by line, coloured. */
import { useI18n } from '../i18n.js';

export function DiffView({ diff }: { diff: string }) {
  const { t } = useI18n();
  if (diff.trim() === '') return <p class="muted">{t('skills.noDiff')}</p>;
  const lines = diff.replace(/\n$/, '').split('\n');
  return (
    <pre class="diff" data-testid="diff">
      {lines.map((line, index) => {
        const kind =
          line.startsWith('+++') || line.startsWith('---')
            ? 'file'
            : line.startsWith('@@')
              ? 'hunk'
              : line.startsWith('+')
                ? 'add'
                : line.startsWith('-')
                  ? 'del'
                  : 'ctx';
        return (
          <span key={index} class={`diff-line ${kind}`}>
            {line || ' '}
            {'\n'}
          </span>
        );
      })}
    </pre>
  );
}

/** @module A server or network error shown inline, as a readable sentence with an optional retry. */
import { errorMessage } from '../api/errors.js';
import { useI18n } from '../i18n.js';

export function ErrorNote({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  if (error === null || error === undefined) return null;
  return (
    <div class="error-note" role="alert">
      <span>{errorMessage(error)}</span>
      {onRetry ? (
        <button type="button" class="button small" onClick={onRetry}>
          {t('common.retry')}
        </button>
      ) : null}
    </div>
  );
}

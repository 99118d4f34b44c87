/** @module The sign-in card shown when the server runs with API keys and the request was refused. */
import { useState } from 'preact/hooks';
import { useI18n } from './i18n.js';

export function SignIn({ error, onSubmit }: { error: string | null; onSubmit: (key: string) => void }) {
  const { t } = useI18n();
  const [key, setKey] = useState('');
  return (
    <form
      class="card sign-in"
      onSubmit={(event) => {
        event.preventDefault();
        if (key.trim()) onSubmit(key.trim());
      }}
    >
      <h1>{t('auth.title')}</h1>
      <p class="muted">{t('auth.explain')}</p>
      <label class="field">
        <span>{t('auth.key')}</span>
        <input
          type="password"
          name="api-key"
          autocomplete="off"
          value={key}
          onInput={(event) => setKey(event.currentTarget.value)}
        />
      </label>
      {error ? (
        <p class="error-note" role="alert">
          {t('auth.rejected', { message: error })}
        </p>
      ) : null}
      <button type="submit" class="button primary">
        {t('auth.submit')}
      </button>
    </form>
  );
}

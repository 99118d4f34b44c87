/** @module The language context: labels from `i18n-messages.ts`; the language is the browser's unless the user picks one. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { type Lang, type Translate, translator } from './i18n-messages.js';

export { detectLang, type Lang, type MessageKey, type Translate, translator } from './i18n-messages.js';

export interface I18n {
  lang: Lang;
  t: Translate;
  setLang: (lang: Lang) => void;
}

export const I18nContext = createContext<I18n>({ lang: 'en', t: translator('en'), setLang: () => {} });

export function useI18n(): I18n {
  return useContext(I18nContext);
}

/** @module What every panel needs: the API client and the signed-in user. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient } from './api/client.js';
import type { Me } from './api/schemas.js';

export interface AppContextValue {
  client: ApiClient;
  me: Me;
  /** Opens a skill in the Skills view (from a retrieval hit or an extraction result). */
  openSkill: (id: string) => void;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new TypeError('useApp outside <AppContext.Provider>');
  return value;
}

/** @module `useAsync`: load data for a component, cancel on change or unmount, expose error and reload. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface AsyncState<T> {
  /** The last loaded value (kept while a newer one loads). */
  data: T | undefined;
  /** The error of the current load, once it failed. */
  error: unknown;
  /** True from the very render in which the inputs changed until their load ends. */
  loading: boolean;
  reload: () => void;
  /** Replaces the data locally (after a write whose answer already holds the new state). */
  set: (data: T) => void;
}

function sameInputs(left: readonly unknown[], right: readonly unknown[]): boolean {
  return left.length === right.length && left.every((value, index) => Object.is(value, right[index]));
}

interface Loaded<T> {
  inputs: readonly unknown[] | null;
  data: T | undefined;
  error: unknown;
}

export function useAsync<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
): AsyncState<T> {
  const [generation, setGeneration] = useState(0);
  const inputs = [...deps, generation];
  const [loaded, setLoaded] = useState<Loaded<T>>({ inputs: null, data: undefined, error: null });
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const controller = new AbortController();
    const started = inputs;
    loadRef.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setLoaded({ inputs: started, data, error: null });
      },
      (error: unknown) => {
        if (!controller.signal.aborted)
          setLoaded((previous) => ({ inputs: started, data: previous.data, error }));
      },
    );
    return () => controller.abort();
  }, inputs);

  const loading = loaded.inputs === null || !sameInputs(loaded.inputs, inputs);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  const set = useCallback((data: T) => setLoaded((previous) => ({ ...previous, data })), []);
  return { data: loaded.data, error: loading ? null : loaded.error, loading, reload, set };
}

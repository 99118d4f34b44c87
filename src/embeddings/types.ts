/**
 * @module The embedding connector contract. Connectors are small objects with one `doEmbed` method that
 * takes one options object and returns a result object (so fields can be added later).
 */

export interface EmbedOptions {
  texts: readonly string[];
  abortSignal?: AbortSignal;
}

export interface EmbedResult {
  /** One vector per input text, in input order. */
  embeddings: number[][];
  usage?: { tokens: number };
}

/**
 * What an index needs to know to keep vectors of different models apart: the same signature must mean
 * the same vector space. Serialised into the flat index file name (see the index layer).
 */
export interface EmbeddingSignature {
  provider: string;
  model: string;
  dimensions?: number;
}

export interface EmbeddingConnector {
  readonly specificationVersion: 'v1';
  /** Canonical provider name after alias resolution, e.g. `dashscope` for `qwen`. */
  readonly provider: string;
  readonly modelId: string;
  /** Vector length when known before the first call; `undefined` until then for remote models. */
  readonly dimensions: number | undefined;
  readonly maxBatchSize: number;
  /** True for the `none` connector: callers skip all vector work. */
  readonly disabled: boolean;
  readonly signature: EmbeddingSignature;
  doEmbed(options: EmbedOptions): Promise<EmbedResult>;
}

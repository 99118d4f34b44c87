/**
 * @module The embedding connector contract. Connectors are small objects with one `doEmbed` method that
 * takes one options object and returns a result object (so fields can be added later).
 */

export interface EmbedOptions {
  /** Texts to embed; an empty (or blank) text gets an all-zero vector. */
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
  /**
   * Vector length: the configured one, else (remote models) `undefined` until the first response, then
   * the length that response had. Every later vector must have it (`DIMENSION_MISMATCH` otherwise).
   */
  readonly dimensions: number | undefined;
  readonly maxBatchSize: number;
  /** True for the `none` connector: callers skip all vector work. */
  readonly disabled: boolean;
  readonly signature: EmbeddingSignature;
  doEmbed(options: EmbedOptions): Promise<EmbedResult>;
}

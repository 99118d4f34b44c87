/**
 * @module Test support published as `autoskill/testing`: the scriptable fake model server used by the
 * tests and benchmarks of AutoSkill and of applications built on it.
 */
export { encodeEmbeddingBase64, fakeEmbedding } from './fake-embeddings.js';
export {
  createFakeModelServer,
  type FakeModelServer,
  type FakeModelServerOptions,
  type FakeResponder,
  type RecordedRequest,
  startFakeModelServer,
} from './fake-model-server.js';
export type {
  FakeBreakReply,
  FakeEmbeddingsReply,
  FakeErrorReply,
  FakeHangReply,
  FakeJsonReply,
  FakeRawReply,
  FakeReply,
  FakeReplyObject,
  FakeRoute,
  FakeSseReply,
  FakeTextReply,
  FakeToolCall,
  FakeToolCallReply,
  FakeUsage,
} from './fake-replies.js';

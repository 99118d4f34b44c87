/**
 * The retrieve layer may not import the service layer, so it declares the turn shapes itself; this test
 * proves both ways that they are the same, so a `SkillContextProvider` can return `prepareTurnContext(...)`.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type * as Retrieve from '../src/retrieve/types.js';
import type * as Service from '../src/service/turn-types.js';

describe('retrieve ↔ service turn types', () => {
  it('are interchangeable', () => {
    expectTypeOf<Retrieve.PreparedSkillContext>().toMatchTypeOf<Service.PreparedSkillContext>();
    expectTypeOf<Service.PreparedSkillContext>().toMatchTypeOf<Retrieve.PreparedSkillContext>();
    expectTypeOf<Retrieve.RetrievalInfo>().toEqualTypeOf<Service.RetrievalInfo>();
    expectTypeOf<Retrieve.RetrievalHit>().toEqualTypeOf<Service.RetrievalHit>();
    expectTypeOf<Retrieve.InjectedSkill>().toEqualTypeOf<Service.InjectedSkill>();
    expectTypeOf<Service.ChatMessage>().toMatchTypeOf<Retrieve.ChatMessageLike>();
  });
});

/**
 * The retrieve layer owns the turn shapes and the service re-exports them; this test keeps it so (a
 * redeclared copy in the service would have to stay identical), so a `SkillContextProvider` can return
 * `prepareTurnContext(...)`.
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
    expectTypeOf<Service.PreparedSkillContext>().toEqualTypeOf<Retrieve.PreparedSkillContext>();
    expectTypeOf<Service.SkillScope>().toEqualTypeOf<Retrieve.RetrievalScope>();
  });
});

/** @module The skill browser: the user's skills, the shared libraries and the deleted ones, paged; one skill open beside the list. */
import { useState } from 'preact/hooks';
import { PanelBoundary } from '../components/panel-boundary.js';
import { useI18n } from '../i18n.js';
import { navigate, type SkillsTab } from '../route.js';
import { SkillDetailPanel } from './skill-detail.js';
import { SkillList } from './skill-list.js';

export function SkillsView({ tab, skillId }: { tab: SkillsTab; skillId: string | null }) {
  const { t } = useI18n();
  const [version, setVersion] = useState(0);
  return (
    <div class={skillId ? 'skills-view has-detail' : 'skills-view'}>
      <PanelBoundary name="skill-list">
        <SkillList tab={tab} activeId={skillId} refreshKey={version} />
      </PanelBoundary>
      <section class="panel skill-detail-panel" aria-label="skill">
        {skillId ? (
          <>
            <button
              type="button"
              class="link-button back-button"
              onClick={() => navigate({ view: 'skills', tab, skillId: null })}
            >
              ← {t('skills.back')}
            </button>
            <PanelBoundary name="skill-detail">
              <SkillDetailPanel
                key={skillId}
                id={skillId}
                tab={tab}
                onChanged={() => setVersion((value) => value + 1)}
              />
            </PanelBoundary>
          </>
        ) : (
          <p class="page-note muted">{t('skills.pick')}</p>
        )}
      </section>
    </div>
  );
}

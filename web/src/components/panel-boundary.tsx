/** @module Error boundary per panel: a render error shows a readable message with a retry, never a blank panel. */
import { Component, type ComponentChildren } from 'preact';
import { errorMessage } from '../api/errors.js';
import { I18nContext } from '../i18n.js';

interface PanelBoundaryProps {
  name: string;
  children: ComponentChildren;
}

interface PanelBoundaryState {
  error: unknown;
}

export class PanelBoundary extends Component<PanelBoundaryProps, PanelBoundaryState> {
  static override contextType = I18nContext;
  override state: PanelBoundaryState = { error: null };

  static override getDerivedStateFromError(error: unknown): PanelBoundaryState {
    return { error };
  }

  override render() {
    if (this.state.error === null) return this.props.children;
    const { t } = this.context as {
      t: (key: 'panel.crashed' | 'common.retry', vars?: Record<string, string>) => string;
    };
    return (
      <div class="panel-error" role="alert" data-panel={this.props.name}>
        <p>{t('panel.crashed', { message: errorMessage(this.state.error) })}</p>
        <button type="button" class="button" onClick={() => this.setState({ error: null })}>
          {t('common.retry')}
        </button>
      </div>
    );
  }
}

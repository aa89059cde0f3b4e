/** Catches a React render error anywhere below it and shows it instead of a blank page. */
import { Component, type ErrorInfo, type ReactNode } from 'react';
import { reportProblem } from '../gpuProblems.ts';

interface State {
  error: Error | null;
}

export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    reportProblem('app', `${error.message}${info.componentStack ? `\n${info.componentStack.trim().split('\n')[0]}` : ''}`);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <main className="crash" data-testid="crash">
        <h1>The lab stopped with an error</h1>
        <pre>{this.state.error.message}</pre>
        <p>Reload the page to start again; if it happens again, please report the message above.</p>
        <button type="button" onClick={() => window.location.reload()}>
          Reload
        </button>
      </main>
    );
  }
}

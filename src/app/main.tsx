import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { ErrorBoundary } from './components/ErrorBoundary.tsx';
import { reportProblem } from './gpuProblems.ts';
import './styles.css';

// Failures outside React's render (a rejected promise in a handler, a throw in a callback) reach the banner too.
window.addEventListener('unhandledrejection', (ev) => reportProblem('app', String((ev.reason as Error)?.message ?? ev.reason)));
// "ResizeObserver loop completed with undelivered notifications" is the browser saying it deferred some
// resize notifications to the next frame (charts that size themselves to their box): benign, not a failure.
window.addEventListener('error', (ev) => {
  if (/^ResizeObserver loop/.test(ev.message)) return;
  reportProblem('app', ev.message);
});

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <ErrorBoundary>
      <App />
    </ErrorBoundary>
  </StrictMode>,
);

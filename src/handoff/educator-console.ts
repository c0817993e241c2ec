/**
 * An educator console (the Slack app; the built-in web console is served directly): it listens to the
 * hand-off service's events and calls its actions. Consoles may add HTTP endpoints (web-standard
 * Request → Response) to Sehat's server, e.g. Slack's Events API and interactivity URLs.
 */
export type HttpMethod = 'GET' | 'POST';

export interface ConsoleRoute {
  method: HttpMethod;
  path: string;
  handle(request: Request): Promise<Response>;
}

export interface EducatorConsole {
  id: string;
  routes?: ConsoleRoute[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

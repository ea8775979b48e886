/** Where `npm run demo` serves the web demo, and so the origins `npm start` allows by default. */
export const DEFAULT_DEMO_PORT = 8788;

export function demoOrigins(port = DEFAULT_DEMO_PORT): string {
  return `http://localhost:${port},http://127.0.0.1:${port}`;
}

/** @xmpp/client ships no types; the tests use this much of it. */
declare module '@xmpp/client' {
  export function client(options: Record<string, unknown>): any;
  export function xml(name: string, attrs?: Record<string, string>, ...children: unknown[]): any;
}

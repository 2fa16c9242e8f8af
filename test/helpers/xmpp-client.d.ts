/** @xmpp/client ships no types; the tests use this much of it. */
declare module '@xmpp/client' {
  // biome-ignore lint/suspicious/noExplicitAny: the library is untyped
  export function client(options: Record<string, unknown>): any;
  // biome-ignore lint/suspicious/noExplicitAny: the library is untyped
  export function xml(name: string, attrs?: Record<string, string>, ...children: unknown[]): any;
}

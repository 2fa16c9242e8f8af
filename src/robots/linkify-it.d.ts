/** The part of linkify-it's interface banya uses (the package ships no types). */
declare module 'linkify-it' {
  interface Match {
    schema: string;
    index: number;
    lastIndex: number;
    raw: string;
    text: string;
    url: string;
  }
  class LinkifyIt {
    constructor(schemas?: Record<string, unknown>, options?: { fuzzyLink?: boolean; fuzzyEmail?: boolean; fuzzyIP?: boolean });
    tlds(list: string | string[], keepOld?: boolean): this;
    test(text: string): boolean;
    match(text: string): Match[] | null;
  }
  export default LinkifyIt;
}

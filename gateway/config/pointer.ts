/** JSON Pointers (RFC 6901): the common name of a place in a config file, shared by yaml and ajv. */

/** A path into a parsed document: map keys and sequence indexes. */
export type DocPath = ReadonlyArray<string | number>;

/** @example toPointer(['server', 'port']) // '/server/port' */
export function toPointer(path: DocPath): string {
  return path.map((segment) => '/' + String(segment).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** @example parsePointer('/a~1b/0') // ['a/b', '0'] */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** True when `pointer` is `ancestor` or lies below it. @example isWithin('/a/b', '/a') // true */
export function isWithin(pointer: string, ancestor: string): boolean {
  return pointer === ancestor || pointer.startsWith(ancestor + '/');
}

/** A pointer as people read it in a message. @example displayPointer('') // 'the file' */
export function displayPointer(pointer: string): string {
  return pointer === '' ? 'the file' : pointer;
}

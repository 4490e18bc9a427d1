import { SLUG_PATTERN } from '@cm/contracts';

/**
 * A slug (`[a-z0-9-]{2,64}`) from a name: accents folded, bracketed asides dropped
 * ("Russia (Soviet Union) - Ukraine" is `russia-ukraine`), every other run of characters a
 * hyphen, cut at 64 on a word boundary where one is near. Undefined when nothing is left
 * (a name in a non-Latin script): the caller falls back to an id.
 */
export function slugOf(name: string, options: { keepBrackets?: boolean } = {}): string | undefined {
  let text = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  if (!options.keepBrackets) {
    const withoutBrackets = text.replace(/\([^)]*\)/g, ' ');
    // "(ADF)" alone would leave nothing: then the brackets' content is the name.
    if (/[A-Za-z0-9]/.test(withoutBrackets)) text = withoutBrackets;
  }
  let slug = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug.length > 64) {
    const cut = slug.slice(0, 64);
    const boundary = cut.lastIndexOf('-');
    slug = (boundary >= 40 ? cut.slice(0, boundary) : cut).replace(/-+$/, '');
  }
  return SLUG_PATTERN.test(slug) ? slug : undefined;
}

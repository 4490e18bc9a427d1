import countries from 'i18n-iso-countries';
import english from 'i18n-iso-countries/langs/en.json';
import { COUNTRY_CODES } from '@cm/contracts';

countries.registerLocale(english);

/**
 * Country names as UCDP and ACLED spell them that the ISO list's English names (and their
 * listed alternatives) do not match. UCDP writes a state's former name in brackets
 * ("Russia (Soviet Union)"); brackets are removed before the look-up, so only the names left
 * over need a line here. Keys are lower case.
 */
const ALIASES: Record<string, string> = {
  syria: 'SY',
  'dr congo': 'CD',
  'democratic republic of congo': 'CD',
  'democratic republic of the congo': 'CD',
  congo: 'CG',
  'republic of congo': 'CG',
  'bosnia-herzegovina': 'BA',
  'bosnia and herzegovina': 'BA',
  laos: 'LA',
  vietnam: 'VN',
  'north korea': 'KP',
  'south korea': 'KR',
  tanzania: 'TZ',
  venezuela: 'VE',
  bolivia: 'BO',
  moldova: 'MD',
  macedonia: 'MK',
  'north macedonia': 'MK',
  'kingdom of eswatini': 'SZ',
  eswatini: 'SZ',
  swaziland: 'SZ',
  'ivory coast': 'CI',
  "cote d'ivoire": 'CI',
  'east timor': 'TL',
  'timor-leste': 'TL',
  'cape verde': 'CV',
  gambia: 'GM',
  'the gambia': 'GM',
  palestine: 'PS',
  turkey: 'TR',
  türkiye: 'TR',
  'czech republic': 'CZ',
  brunei: 'BN',
  micronesia: 'FM',
  'united states': 'US',
  'united states of america': 'US',
  'united kingdom': 'GB',
  russia: 'RU',
  iran: 'IR',
  kosovo: 'XK',
  'yemen (north yemen)': 'YE',
  'serbia (yugoslavia)': 'RS',
  yugoslavia: 'RS',
  'soviet union': 'RU',
  'south sudan': 'SS',
  sudan: 'SD',
  'central african republic': 'CF',
  'guinea-bissau': 'GW',
  'equatorial guinea': 'GQ',
  'papua new guinea': 'PG',
  'solomon islands': 'SB',
  'trinidad and tobago': 'TT',
  'saint lucia': 'LC',
};

/** The ISO 3166-1 alpha-2 code of a country named as UCDP or ACLED names it, or undefined. */
export function countryCodeOfName(name: string): string | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return undefined;
  const lower = trimmed.toLowerCase();
  if (ALIASES[lower]) return ALIASES[lower];
  const bare = trimmed.replace(/\s*\([^)]*\)\s*/g, ' ').trim();
  const bareLower = bare.toLowerCase();
  const code = ALIASES[bareLower] ?? countries.getAlpha2Code(bare, 'en');
  return code && COUNTRY_CODES.has(code) ? code : undefined;
}

/** ACLED's `iso` column is the ISO 3166-1 numeric code ("804" for Ukraine). */
export function countryCodeOfNumeric(numeric: string): string | undefined {
  const digits = numeric.trim();
  if (!/^\d{1,3}$/.test(digits)) return undefined;
  const code = countries.numericToAlpha2(digits.padStart(3, '0'));
  // Kosovo has no ISO numeric code; ACLED gives it 0.
  if (code === undefined && Number(digits) === 0) return undefined;
  return code && COUNTRY_CODES.has(code) ? code : undefined;
}

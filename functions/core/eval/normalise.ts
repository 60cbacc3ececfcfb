// Eval's comparison rules (seed §8.8): how a field is compared (amount, number, date, currency, text) from
// its name, each kind normalised before comparing, and whether a predicted value matches the ground truth.

export type FieldKind = 'amount' | 'number' | 'date' | 'currency' | 'text';

const DATE_NAME = /(^|_)date$/;
const CURRENCY_NAME = /(^|_)currency$/;
const AMOUNT_NAME = /(^|_)(total|subtotal|tax|tip|amount|price|discount|due|vat|fee|balance|paid|change)$/;

/** How a field is compared, from its name (and a bare JSON number in the GT for numeric fields like quantity). */
export function fieldKind(name: string, expected: unknown): FieldKind {
  const n = name.toLowerCase();
  if (DATE_NAME.test(n)) return 'date';
  if (CURRENCY_NAME.test(n)) return 'currency';
  if (AMOUNT_NAME.test(n)) return 'amount';
  if (typeof expected === 'number') return 'number';
  return 'text';
}

/** Null, undefined, blank strings and empty lists all mean "no value". */
export function isAbsent(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);
}

/**
 * A decimal amount from a number or a string such as "12.34", "$1,234.56", "1 234,56 €", "12,5", "(3.00)".
 * With both separators the last one is the decimal point; a lone comma is decimal unless it groups thousands
 * ("1,234"). Undefined when it is not a number.
 */
export function parseAmount(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  let s = v.trim();
  let negative = false;
  if (/^\(.*\)$/.test(s)) {
    negative = true;
    s = s.slice(1, -1);
  }
  // Spaces and apostrophes group thousands; letters and currency signs ("USD", "руб", "$", "€") are dropped.
  s = s.replace(/[\s\u00a0\u202f'’]/g, '').replace(/[\p{L}\p{Sc}]/gu, '');
  if (s.startsWith('-') || s.endsWith('-')) {
    negative = !negative;
    s = s.replace(/^-|-$/g, '');
  } else s = s.replace(/^\+/, '');
  if (!/^(\d[\d.,]*|[.,]\d+)$/.test(s)) return undefined;
  let plain: string | undefined;
  const lastDot = s.lastIndexOf('.');
  const lastComma = s.lastIndexOf(',');
  if (lastDot >= 0 && lastComma >= 0) {
    const decimal = lastDot > lastComma ? '.' : ',';
    const group = decimal === '.' ? ',' : '.';
    const cut = Math.max(lastDot, lastComma);
    const intPart = s.slice(0, cut);
    const frac = s.slice(cut + 1);
    if (intPart.includes(decimal) || !/^\d*$/.test(frac)) return undefined;
    plain = `${intPart.split(group).join('')}.${frac}`;
  } else if (lastComma >= 0) {
    if (/^\d{1,3}(,\d{3})+$/.test(s)) plain = s.replace(/,/g, '');
    else if (s.split(',').length === 2) plain = s.replace(',', '.');
  } else if (lastDot >= 0 && s.split('.').length > 2) {
    if (/^\d{1,3}(\.\d{3})+$/.test(s)) plain = s.replace(/\./g, '');
  } else plain = s;
  if (plain === undefined || !/^\d*\.?\d*$/.test(plain)) return undefined;
  const n = Number(plain);
  if (!Number.isFinite(n)) return undefined;
  return negative ? -n : n;
}

function isoDate(y: number, m: number, d: number): string | undefined {
  if (m < 1 || m > 12 || d < 1 || d > 31) return undefined;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * A date as ISO YYYY-MM-DD from "2025-01-31", "2025/01/31", "20250131", "31.01.2025", "31-01-2025" or
 * "31/01/2025" (a time after the date is ignored). Slashed dates are day-first, except "A/B/YYYY" with
 * A ≤ 12 < B, which can only be month-first (US style). Undefined when it is not a real calendar date.
 */
export function normaliseDate(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.trim().split(/[T\s]/)[0]!;
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(s);
  if (m) return isoDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (m) return isoDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})$/.exec(s);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[3]);
    const y = Number(m[4]);
    if (m[2] === '/' && a <= 12 && b > 12) return isoDate(y, a, b);
    return isoDate(y, b, a);
  }
  return undefined;
}

const CURRENCY_SYMBOLS: Record<string, string> = {
  '€': 'EUR',
  '£': 'GBP',
  '₽': 'RUB',
  '₹': 'INR',
  '₩': 'KRW',
  '₴': 'UAH',
  РУБ: 'RUB',
};

/** Currency codes upper-cased; a few unambiguous symbols mapped to their ISO code ("$" is not: USD, CAD, AUD…). */
export function normaliseCurrency(v: unknown): string {
  const s = String(v).trim().replace(/\.$/, '').toUpperCase();
  return CURRENCY_SYMBOLS[s] ?? s;
}

/** Strings compared case-insensitively with runs of whitespace folded (and Unicode compatibility forms unified). */
export function normaliseText(v: unknown): string {
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** A value in its compared form (what the mismatch list shows next to the raw value). */
export function normalisedValue(kind: FieldKind, v: unknown): unknown {
  if (isAbsent(v)) return null;
  if (Array.isArray(v) || (typeof v === 'object' && v !== null)) return v;
  switch (kind) {
    case 'amount':
    case 'number':
      return parseAmount(v) ?? normaliseText(v);
    case 'date':
      return normaliseDate(v) ?? normaliseText(v);
    case 'currency':
      return normaliseCurrency(v);
    case 'text':
      return normaliseText(v);
  }
}

/**
 * True when `predicted` matches `expected` under the rules of the field's kind. The ground truth leads:
 * for objects (line items) only the keys the GT has are compared; lists must have the same length and match
 * element by element; a GT null/blank expects no value.
 */
export function valuesMatch(name: string, expected: unknown, predicted: unknown, amountTolerance: number): boolean {
  if (isAbsent(expected)) return isAbsent(predicted);
  if (isAbsent(predicted)) return false;
  if (Array.isArray(expected)) {
    return (
      Array.isArray(predicted) &&
      predicted.length === expected.length &&
      expected.every((e, i) => valuesMatch(name, e, predicted[i], amountTolerance))
    );
  }
  if (typeof expected === 'object') {
    if (typeof predicted !== 'object' || Array.isArray(predicted)) return false;
    const p = predicted as Record<string, unknown>;
    return Object.entries(expected as Record<string, unknown>).every(([k, e]) => valuesMatch(k, e, p[k], amountTolerance));
  }
  const kind = fieldKind(name, expected);
  switch (kind) {
    case 'amount':
    case 'number': {
      const e = parseAmount(expected);
      if (e === undefined) return normaliseText(expected) === normaliseText(predicted);
      const p = parseAmount(predicted);
      const tolerance = kind === 'amount' ? amountTolerance : 0;
      // The epsilon absorbs binary floating point (12.34 - 12.33 is 0.010000000000001563).
      return p !== undefined && Math.abs(e - p) <= tolerance + 1e-9;
    }
    case 'date': {
      const e = normaliseDate(expected);
      return e === undefined ? normaliseText(expected) === normaliseText(predicted) : e === normaliseDate(predicted);
    }
    case 'currency':
      return normaliseCurrency(expected) === normaliseCurrency(predicted);
    case 'text':
      return normaliseText(expected) === normaliseText(predicted);
  }
}

// The mock backend: no model, a deterministic schema-valid answer derived from the pages' bytes.
// Same pages and task → same answer, so local runs and tests are reproducible.
import { createHash } from 'node:crypto';
import type { ModelAnswer, ModelClient, ModelRequest } from '../../core/ports.ts';

export class MockModelClient implements ModelClient {
  readonly backend = 'mock';
  readonly model = 'mock-receipt-reader';

  async complete(request: ModelRequest): Promise<ModelAnswer> {
    const hash = createHash('sha256');
    for (const page of request.pages) hash.update(page.bytes);
    const seed = hash.digest();
    const answer = request.task.id.startsWith('invoice') ? mockInvoice(seed) : mockReceipt(seed);
    const text = JSON.stringify(answer);
    return { text, model: this.model, usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } };
  }

  async ping(): Promise<void> {}
}

const MERCHANTS = ['Corner Market', 'Blue Bottle Cafe', 'Hardware Depot', 'Green Grocer', 'City Pharmacy', 'Book Nook'];
const ITEMS = ['Coffee', 'Bread', 'Milk', 'Batteries', 'Notebook', 'Apples', 'Tea', 'Soap'];
const CURRENCIES = ['USD', 'EUR', 'GBP'];

function cents(seed: Buffer, offset: number, max: number): number {
  return (seed.readUInt16BE(offset % 30) % max) + 100;
}

function lineItems(seed: Buffer) {
  const count = (seed[0]! % 3) + 1;
  return Array.from({ length: count }, (_, i) => {
    const quantity = (seed[i + 1]! % 3) + 1;
    const unit = cents(seed, 2 * i + 2, 2000);
    return {
      description: ITEMS[seed[i + 4]! % ITEMS.length]!,
      quantity,
      unit_price: unit / 100,
      amount: (unit * quantity) / 100,
    };
  });
}

function date(seed: Buffer, offset: number): string {
  const month = (seed[offset]! % 12) + 1;
  const day = (seed[offset + 1]! % 28) + 1;
  return `2025-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function mockReceipt(seed: Buffer) {
  const items = lineItems(seed);
  const subtotalCents = items.reduce((s, it) => s + Math.round(it.amount * 100), 0);
  const taxCents = Math.round(subtotalCents * 0.08);
  return {
    merchant_name: MERCHANTS[seed[10]! % MERCHANTS.length]!,
    merchant_address: `${(seed[11]! % 900) + 100} Main St`,
    date: date(seed, 12),
    time: `${String(seed[14]! % 24).padStart(2, '0')}:${String(seed[15]! % 60).padStart(2, '0')}`,
    currency: CURRENCIES[seed[16]! % CURRENCIES.length]!,
    subtotal: subtotalCents / 100,
    tax: taxCents / 100,
    tip: null,
    total: (subtotalCents + taxCents) / 100,
    payment_method: seed[17]! % 2 === 0 ? 'cash' : 'visa',
    line_items: items,
  };
}

function mockInvoice(seed: Buffer) {
  const items = lineItems(seed);
  const subtotalCents = items.reduce((s, it) => s + Math.round(it.amount * 100), 0);
  const taxCents = Math.round(subtotalCents * 0.2);
  return {
    vendor_name: `${MERCHANTS[seed[10]! % MERCHANTS.length]!} Ltd`,
    vendor_address: `${(seed[11]! % 900) + 100} Market Rd`,
    vendor_tax_id: `VAT${seed.readUInt32BE(18) % 1_000_000}`,
    customer_name: 'Example Customer',
    customer_address: null,
    invoice_number: `INV-${seed.readUInt16BE(22)}`,
    purchase_order: null,
    invoice_date: date(seed, 12),
    due_date: date(seed, 24),
    currency: CURRENCIES[seed[16]! % CURRENCIES.length]!,
    subtotal: subtotalCents / 100,
    tax: taxCents / 100,
    total: (subtotalCents + taxCents) / 100,
    amount_due: (subtotalCents + taxCents) / 100,
    line_items: items,
  };
}

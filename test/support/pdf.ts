// A small PDF writer for test documents: pages of real text in the standard Courier and Helvetica
// fonts (every PDF reader has them), optional /Rotate, and a valid cross-reference table.

export interface PdfPage {
  lines: readonly string[];
  /** Page size in points (1/72 in). @default A4 595×842 */
  width?: number;
  height?: number;
  /** /Rotate of the page (0, 90, 180, 270). @default 0 */
  rotate?: number;
  /** @default 11 */
  fontSize?: number;
}

function pdfString(s: string): string {
  return `(${s.replace(/\\/g, '\\\\').replace(/\(/g, '\\(').replace(/\)/g, '\\)')})`;
}

/** A PDF whose pages carry the given lines of text, top to bottom. */
export function makePdf(pages: readonly PdfPage[]): Buffer {
  const objects: string[] = [];
  // Object numbers start at 1: the new length is the new object's number.
  const add = (body: string) => objects.push(body);
  const catalog = add('');
  const tree = add('');
  const courier = add('<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>');
  const helvetica = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>');
  const kids: number[] = [];
  for (const page of pages) {
    const width = page.width ?? 595;
    const height = page.height ?? 842;
    const size = page.fontSize ?? 11;
    const lead = Math.round(size * 1.5);
    const [title, ...rest] = page.lines;
    const text = [
      'BT',
      `/F2 ${size + 5} Tf`,
      `56 ${height - 72} Td`,
      `${pdfString(title ?? '')} Tj`,
      `/F1 ${size} Tf`,
      `${lead} TL`,
      'T*',
      ...rest.map((l) => `${pdfString(l)} '`),
      'ET',
    ].join('\n');
    const content = add(`<< /Length ${Buffer.byteLength(text, 'latin1')} >>\nstream\n${text}\nendstream`);
    kids.push(
      add(
        `<< /Type /Page /Parent ${tree} 0 R /MediaBox [0 0 ${width} ${height}]${page.rotate ? ` /Rotate ${page.rotate}` : ''} ` +
          `/Resources << /Font << /F1 ${courier} 0 R /F2 ${helvetica} 0 R >> >> /Contents ${content} 0 R >>`,
      ),
    );
  }
  objects[catalog - 1] = `<< /Type /Catalog /Pages ${tree} 0 R >>`;
  objects[tree - 1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;

  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

const total = (label: string, amount: string) => label.padEnd(54 - amount.length) + amount;

/** A two-page invoice: header, parties and the first lines on page 1; more lines and totals on page 2. */
export function invoicePdf(): Buffer {
  return makePdf([
    {
      lines: [
        'INVOICE INV-2025-0042',
        'Northwind Supplies Ltd, 4 Dock Road, Bristol BS1 5TT',
        'VAT GB 123 4567 89',
        '',
        'Bill to: Example Customer, 22 High Street, Bath BA1 1AA',
        'Invoice date: 2025-03-01      Due date: 2025-03-31',
        'PO: PO-7781',
        '',
        'Description                 Qty   Unit price    Amount',
        'Printer paper A4 (box)        4        21.50     86.00',
        'Toner cartridge black         2        64.00    128.00',
        'Desk organiser                3         9.90     29.70',
        '',
        'Continued on page 2',
      ],
    },
    {
      lines: [
        'INVOICE INV-2025-0042 (page 2 of 2)',
        'Description                 Qty   Unit price    Amount',
        'Stapler heavy duty            1        18.40     18.40',
        'Delivery                      1         7.50      7.50',
        '',
        total('Subtotal', '269.60'),
        total('VAT 20%', '53.92'),
        total('Total GBP', '323.52'),
        total('Amount due', '323.52'),
        '',
        'Pay to: Northwind Supplies Ltd, IBAN GB00 NWBK 6016 1331 9268 19',
      ],
    },
  ]);
}

/** A document with `n` numbered pages of a few lines each (the "too many pages" case). */
export function manyPagePdf(n: number): Buffer {
  return makePdf(
    Array.from({ length: n }, (_, i) => ({ lines: [`Statement page ${i + 1} of ${n}`, 'Account 0042', `Line ${i + 1}`] })),
  );
}

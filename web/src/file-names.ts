// Names and types of the files a reviewer drops, as the upload session wants them; no DOM needed.
const BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
};

/** The type a browser reports, or one from the extension (browsers leave HEIC's empty). */
export function mimeOf(file: { name: string; type: string }): string {
  if (file.type) return file.type;
  return BY_EXTENSION[file.name.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';
}

/** Names unique in the session: a second "IMG_0001.jpg" becomes "IMG_0001 (2).jpg". */
export function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const clean = n.replace(/[\\/\u0000-\u001f]/g, '_').replace(/^\.+/, '_') || 'file';
    const count = (seen.get(clean.toLowerCase()) ?? 0) + 1;
    seen.set(clean.toLowerCase(), count);
    if (count === 1) return clean;
    const dot = clean.lastIndexOf('.');
    return dot > 0 ? `${clean.slice(0, dot)} (${count})${clean.slice(dot)}` : `${clean} (${count})`;
  });
}

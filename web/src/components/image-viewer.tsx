// The page the model saw, with zoom (buttons, +/−, wheel) and pan (drag, arrow keys); boxes, when the
// result has them, outline where a value was read.
import { useRef, useState } from 'preact/hooks';

export interface Box {
  pointer: string;
  page: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

const MIN = 0.5;
const MAX = 6;

export function ImageViewer({
  src,
  alt,
  boxes,
  highlight,
}: {
  src: string;
  alt: string;
  boxes: Box[];
  highlight: string | null;
}) {
  const [zoom, setZoom] = useState(1);
  const [pan, setPan] = useState({ x: 0, y: 0 });
  const drag = useRef<{ x: number; y: number; px: number; py: number } | null>(null);
  const clamp = (z: number) => Math.min(MAX, Math.max(MIN, Math.round(z * 100) / 100));

  function onKey(e: KeyboardEvent) {
    const step = 40;
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [step, 0],
      ArrowRight: [-step, 0],
      ArrowUp: [0, step],
      ArrowDown: [0, -step],
    };
    if (e.key === '+' || e.key === '=') setZoom((z) => clamp(z * 1.25));
    else if (e.key === '-') setZoom((z) => clamp(z / 1.25));
    else if (e.key === '0') reset();
    else if (moves[e.key]) setPan((p) => ({ x: p.x + moves[e.key]![0], y: p.y + moves[e.key]![1] }));
    else return;
    e.preventDefault();
    e.stopPropagation();
  }

  function reset() {
    setZoom(1);
    setPan({ x: 0, y: 0 });
  }

  return (
    <figure class="viewer">
      <div class="viewer-tools" role="toolbar" aria-label="Image zoom">
        <button type="button" onClick={() => setZoom((z) => clamp(z * 1.25))} aria-label="Zoom in">
          +
        </button>
        <button type="button" onClick={() => setZoom((z) => clamp(z / 1.25))} aria-label="Zoom out">
          −
        </button>
        <button type="button" onClick={reset}>
          Reset
        </button>
        <output aria-live="polite" aria-label="Zoom level">
          {Math.round(zoom * 100)} %
        </output>
      </div>
      <div
        class="viewer-stage"
        tabIndex={0}
        role="group"
        aria-label={`${alt}: drag or use arrow keys to pan, + and − to zoom`}
        onKeyDown={onKey}
        onWheel={(e) => {
          e.preventDefault();
          setZoom((z) => clamp(z * (e.deltaY < 0 ? 1.1 : 1 / 1.1)));
        }}
        onPointerDown={(e) => {
          drag.current = { x: e.clientX, y: e.clientY, px: pan.x, py: pan.y };
          (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
        }}
        onPointerMove={(e) => {
          const d = drag.current;
          if (d) setPan({ x: d.px + e.clientX - d.x, y: d.py + e.clientY - d.y });
        }}
        onPointerUp={() => (drag.current = null)}
      >
        <div class="viewer-content" style={{ transform: `translate(${pan.x}px, ${pan.y}px) scale(${zoom})` }}>
          <img src={src} alt={alt} draggable={false} />
          {boxes.map((b) => (
            <span
              key={b.pointer}
              class={`box${highlight === b.pointer ? ' on' : ''}`}
              style={{ left: `${b.x * 100}%`, top: `${b.y * 100}%`, width: `${b.w * 100}%`, height: `${b.h * 100}%` }}
              title={b.pointer}
            />
          ))}
        </div>
      </div>
    </figure>
  );
}

/** Boxes in whatever of the documented shapes the result carries: {page?, x, y, w|width, h|height} relative. */
export function boxesOf(raw: Record<string, unknown> | null | undefined, page: number): Box[] {
  if (!raw) return [];
  const out: Box[] = [];
  for (const [pointer, v] of Object.entries(raw)) {
    const b = v as Record<string, unknown> | null;
    if (!b || typeof b !== 'object') continue;
    const num = (k: string) => (typeof b[k] === 'number' ? (b[k] as number) : undefined);
    const x = num('x') ?? num('left');
    const y = num('y') ?? num('top');
    const w = num('w') ?? num('width');
    const h = num('h') ?? num('height');
    const p = num('page') ?? 1;
    if (x === undefined || y === undefined || w === undefined || h === undefined || p !== page) continue;
    out.push({ pointer, page: p, x, y, w, h });
  }
  return out;
}

import React from 'react';

/** A tooltip's content as lines (who / why / since / until ...). */
export function HoverLines({ lines }: { lines: string[] }) {
  return (
    <div>
      {lines.map((line, i) => (
        <div key={i}>{line}</div>
      ))}
    </div>
  );
}

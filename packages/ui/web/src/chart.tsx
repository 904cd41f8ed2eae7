import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { useEffect, useRef } from "preact/hooks";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Legend,
  Tooltip,
);

declare global {
  interface Window {
    /** The live charts by name, so a reader (or an end-to-end test) can see the data behind each one. */
    __sessionkitCharts?: Record<string, Chart>;
  }
}

/** A Chart.js chart on a canvas, rebuilt when its configuration changes. */
export function ChartView(props: { name: string; title: string; config: ChartConfiguration }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      ...props.config,
      options: { animation: false, maintainAspectRatio: false, responsive: true, ...props.config.options },
    });
    window.__sessionkitCharts ??= {};
    window.__sessionkitCharts[props.name] = chart;
    return () => {
      chart.destroy();
      delete window.__sessionkitCharts?.[props.name];
    };
  }, [props.config]);
  return (
    <figure class="chart" data-testid={`chart-${props.name}`}>
      <figcaption>{props.title}</figcaption>
      <div class="chart-box">
        <canvas ref={canvas} />
      </div>
    </figure>
  );
}

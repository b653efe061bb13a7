/* amp_dashboard: draws the dashboards' plots with Chart.js.
 *
 * Each <canvas data-amp-chart="{kind, labels, values, title, axis}"> becomes
 * a bar chart; with "series": [{label, values}] instead of "values", a bar
 * chart of several series side by side, each with its own hatch pattern and
 * a legend. Readable without colour: every bar has a hatch pattern of
 * its own (or, for a histogram, one pattern with shades) and its value
 * written above it; the table under the plot holds the same numbers.
 * The canvas gets data-amp-chart-ready="1" once drawn.
 */
(function () {
  'use strict';

  var COLOURS = ['#1b7837', '#e08214', '#b35806', '#7f3b08', '#2166ac', '#878787', '#4d4d4d'];
  var SHAPES = ['solid', 'diagonal', 'cross', 'dots', 'horizontal', 'vertical', 'zigzag'];
  /* Series side by side: hatched light bars, then plain dark ones. */
  var SERIES_COLOURS = ['#8fb8d8', '#00558c', '#e08214', '#4d4d4d'];
  var SERIES_SHAPES = ['diagonal', 'solid', 'dots', 'cross'];

  function pattern(colour, shape) {
    var size = 10;
    var tile = document.createElement('canvas');
    tile.width = tile.height = size;
    var ctx = tile.getContext('2d');
    ctx.fillStyle = colour;
    ctx.fillRect(0, 0, size, size);
    ctx.strokeStyle = 'rgba(255,255,255,0.85)';
    ctx.fillStyle = 'rgba(255,255,255,0.85)';
    ctx.lineWidth = 2;
    ctx.beginPath();
    if (shape === 'diagonal' || shape === 'cross') {
      ctx.moveTo(0, size); ctx.lineTo(size, 0);
    }
    if (shape === 'cross') {
      ctx.moveTo(0, 0); ctx.lineTo(size, size);
    }
    if (shape === 'horizontal') {
      ctx.moveTo(0, size / 2); ctx.lineTo(size, size / 2);
    }
    if (shape === 'vertical') {
      ctx.moveTo(size / 2, 0); ctx.lineTo(size / 2, size);
    }
    if (shape === 'zigzag') {
      ctx.moveTo(0, size * 0.7); ctx.lineTo(size / 2, size * 0.3); ctx.lineTo(size, size * 0.7);
    }
    ctx.stroke();
    if (shape === 'dots') {
      ctx.beginPath(); ctx.arc(size / 2, size / 2, 2, 0, 2 * Math.PI); ctx.fill();
    }
    return ctx.createPattern(tile, 'repeat');
  }

  function fills(spec) {
    return spec.values.map(function (_value, index) {
      if (spec.kind === 'histogram') {
        /* Low scores (left) to high scores (right): shades of one hue, and
           the worst half hatched, the best half plain. */
        var shade = Math.round(40 + (index / Math.max(1, spec.values.length - 1)) * 35);
        var colour = 'hsl(205, 70%, ' + (100 - shade) + '%)';
        return index < spec.values.length / 2 ? pattern(colour, 'diagonal') : colour;
      }
      return pattern(COLOURS[index % COLOURS.length], SHAPES[index % SHAPES.length]);
    });
  }

  /* The value of each bar written above it. */
  var valueLabels = {
    id: 'ampValueLabels',
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      ctx.save();
      ctx.fillStyle = '#222';
      ctx.font = 'bold 12px sans-serif';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      chart.data.datasets.forEach(function (dataset, number) {
        chart.getDatasetMeta(number).data.forEach(function (bar, index) {
          ctx.fillText(String(dataset.data[index]), bar.x, bar.y - 2);
        });
      });
      ctx.restore();
    }
  };

  /* A time series (kind "line", spec.series = [{label, values}]): each
     line has its own dash pattern and point style, and the legend names
     them, so that colour is never the only difference. */
  var LINE_COLOURS = ['#00558c', '#b35806', '#1b7837', '#4d4d4d'];
  var LINE_DASHES = [[], [8, 5], [2, 3], [12, 4, 2, 4]];
  var LINE_POINTS = ['circle', 'rectRot', 'triangle', 'rect'];

  function drawLines(canvas, spec) {
    new window.Chart(canvas, {
      type: 'line',
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (serie, index) {
          var colour = LINE_COLOURS[index % LINE_COLOURS.length];
          return {
            label: serie.label,
            data: serie.values,
            borderColor: colour,
            backgroundColor: colour,
            borderWidth: 2,
            borderDash: LINE_DASHES[index % LINE_DASHES.length],
            pointStyle: LINE_POINTS[index % LINE_POINTS.length],
            pointRadius: 5,
            pointHoverRadius: 7,
            tension: 0
          };
        })
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: {display: true, position: 'top', labels: {usePointStyle: true}},
          title: {display: false}
        },
        scales: {
          y: {beginAtZero: true, title: {display: Boolean(spec.axis), text: spec.axis},
              ticks: {precision: 0}},
          x: {ticks: {autoSkip: false, maxRotation: 40, minRotation: 0}}
        }
      }
    });
    canvas.setAttribute('data-amp-chart-ready', '1');
  }

  function draw(canvas) {
    var spec;
    try {
      spec = JSON.parse(canvas.getAttribute('data-amp-chart'));
    } catch (error) {
      return;
    }
    if (spec.kind === 'line') {
      drawLines(canvas, spec);
      return;
    }
    var series = spec.series || [{label: spec.axis || spec.title, values: spec.values}];
    var max = Math.max.apply(null, [1].concat.apply([], series.map(function (one) {
      return one.values;
    })));
    var datasets = series.map(function (one, number) {
      return {
        label: one.label,
        data: one.values,
        /* One series: a pattern per bar; several: a pattern per series. */
        backgroundColor: spec.series ? pattern(SERIES_COLOURS[number % SERIES_COLOURS.length],
                                               SERIES_SHAPES[number % SERIES_SHAPES.length])
                                     : fills(spec),
        borderColor: '#222',
        borderWidth: 1
      };
    });
    new window.Chart(canvas, {
      type: 'bar',
      data: {labels: spec.labels, datasets: datasets},
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        layout: {padding: {top: 18}},
        plugins: {legend: {display: Boolean(spec.series), position: 'top',
                           labels: {boxWidth: 28, boxHeight: 16, color: '#222'}},
                  title: {display: false}},
        scales: {
          y: {beginAtZero: true, suggestedMax: Math.ceil(max * 1.1),
              title: {display: Boolean(spec.axis), text: spec.axis},
              ticks: {precision: 0}},
          x: {ticks: {autoSkip: false, maxRotation: 40, minRotation: 0}}
        }
      },
      plugins: [valueLabels]
    });
    canvas.setAttribute('data-amp-chart-ready', '1');
  }

  function start() {
    if (!window.Chart) {
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll('canvas[data-amp-chart]'), draw);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());

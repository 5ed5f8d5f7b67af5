import { h } from '../ui.js';

// Triggers and awaits get their screens together with their API; the navigation already has their place.
export function placeholder(ctx) {
  const what = ctx.params[0];
  const title = what === 'triggers' ? 'Triggers' : 'Awaits';
  ctx.crumbs(title);
  ctx.view.append(h('div', { class: 'card placeholder', 'data-placeholder': what },
    h('div', { class: 'big' }, what === 'triggers' ? '⚡' : '⏸'),
    h('h2', {}, `${title} are coming soon`),
    h('p', {}, what === 'triggers'
      ? 'Event, webhook and schedule triggers that start flows will be listed and fired from here.'
      : 'Runs waiting for a webhook, an event or a time will be listed and resolved from here.')));
}

// @ts-check
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import react from '@astrojs/react';

// Static pages; the sandbox-server serves site/dist and the API on one origin.
export default defineConfig({
  output: 'static',
  trailingSlash: 'ignore',
  integrations: [mdx(), react()],
  devToolbar: { enabled: false },
  vite: {
    // @xterm ships CommonJS for Node; bundling it keeps the server render of islands working.
    ssr: { noExternal: [/^@xterm\//] },
  },
});

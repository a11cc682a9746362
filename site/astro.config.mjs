// @ts-check
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import react from '@astrojs/react';
import { contentModulesReload, devApiProxy } from './src/lib/dev-server.ts';
import { lessonPlaceholdersPlugin, rehypeLessonVars } from './src/lib/lesson-placeholders.ts';

// Static pages; the sandbox-server serves site/dist and the API on one origin.
export default defineConfig({
  output: 'static',
  trailingSlash: 'ignore',
  // Placeholders such as {{hub.username}} in lesson text become spans the page fills in.
  integrations: [mdx({ rehypePlugins: [rehypeLessonVars] }), react()],
  devToolbar: { enabled: false },
  vite: {
    plugins: [lessonPlaceholdersPlugin(), contentModulesReload()],
    // @xterm ships CommonJS for Node; bundling it keeps the server render of islands working.
    ssr: { noExternal: [/^@xterm\//] },
    // `astro dev` (`npm run lessons -- dev`) only: the API and terminals of a running Dockyard
    // server (DOCKYARD_API_URL, else http://localhost:$PORT, 8080), so lessons work beside it.
    server: { proxy: devApiProxy() },
  },
});

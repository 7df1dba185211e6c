// Demo worker template: everything it touches comes from `env`.
export default {
  async route(request, env) {
    const greeting = await env.kv.get('greeting');
    return new Response(greeting ?? 'hello from example.greeter-worker', {
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  },
};

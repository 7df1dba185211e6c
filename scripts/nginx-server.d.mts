// Types of scripts/nginx-server.mjs (used by the TypeScript tests).
export declare const NGINX: string;
export declare function haveNginx(): boolean;
export declare function freePort(): Promise<number>;
export declare function makeTestPki(pki: string): { ca: string; cert: string; key: string };
export interface RunningNginx {
  base: string;
  plainBase?: string;
  port: number;
  ca: string;
  accessLog: string;
  stop(): Promise<void>;
}
export declare function startNginx(o: { dir: string; www: string; plainHttp?: boolean; locations?: string[] }): Promise<RunningNginx>;

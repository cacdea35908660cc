import { main } from '../../src/cli/main.js';

/** Run `geolens …` through main in-process, capturing console.log and console.error; the exit code and both texts. */
export async function cli(args: string[]): Promise<{ code: number; err: string; out: string }> {
  const errs: string[] = [];
  const outs: string[] = [];
  const [e, l] = [console.error, console.log];
  console.error = (m: unknown) => errs.push(String(m));
  console.log = (m: unknown) => outs.push(String(m));
  try {
    return { code: await main(args), err: errs.join('\n'), out: outs.join('\n') };
  } finally {
    console.error = e;
    console.log = l;
  }
}

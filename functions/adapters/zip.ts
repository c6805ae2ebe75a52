import { ZipFile } from 'yazl';

/** One zip of the named files, every entry dated `at`, so that the same files zip to the same bytes. */
export function zip(files: Record<string, string>, at: Date): Promise<Buffer> {
  const z = new ZipFile();
  for (const [name, content] of Object.entries(files)) z.addBuffer(Buffer.from(content), name, { mtime: at });
  z.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    z.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
  });
}

/** asl-validator ships no types: what test/unit/infra/state-machine-asl.test.ts uses of it. */
declare module 'asl-validator' {
  interface AslError {
    'Error code': string;
    Message: string;
    Path?: string;
  }
  export default function validator(definition: unknown, options?: { checkPaths: boolean; checkArn: boolean }): { isValid: boolean; errors: AslError[]; errorsText(separator?: string): string };
}

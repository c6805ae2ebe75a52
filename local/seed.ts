/** Demo customers of the shop's directory. Imported after the runtime has set the environment. */
export const DEMO_CUSTOMERS = [
  { email: 'alice@example.com', password: 'correct horse battery staple', closedOn: null, note: 'account open' },
  { email: 'bob@example.com', password: 'hunter2 is not a password', closedOn: '2024-03-15', note: 'account closed on 2024-03-15' },
  { email: 'carol@example.com', password: 'lifetime warranty owner', closedOn: null, note: 'owns lifetime-warranty RAM' },
] as const;

export async function seedDemoCustomers() {
  const { DynamoCustomerDirectory, hashPassword } = await import('../functions/adapters/customers.ts');
  const { emailHash } = await import('../functions/shared/crypto.ts');
  const directory = new DynamoCustomerDirectory();
  for (const c of DEMO_CUSTOMERS) {
    const h = await emailHash(c.email);
    if (await directory.find(h)) continue;
    await directory.put(h, { passwordHash: hashPassword(c.password), closedOn: c.closedOn });
  }
}

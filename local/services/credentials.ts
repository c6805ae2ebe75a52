/** The embedded services accept any credentials; these keep the SDK from looking for real ones. */
// s3rver checks signatures against its own well-known key pair; the others accept any.
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

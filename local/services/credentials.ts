/** The embedded services accept any credentials; these keep the SDK from looking for real ones. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'LOCAL', secretAccessKey: 'LOCALSECRET' };

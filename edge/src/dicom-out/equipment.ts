/** How the product names itself as the equipment that made its DICOM objects (General and Enhanced General Equipment). */
export const EQUIPMENT = {
  manufacturer: 'BSNet API',
  modelName: 'BSNet lung infection segmentation',
  deviceSerialNumber: 'bsnet-api',
  /** The API's version (package.json); the model's own version is in each object's algorithm identification. */
  softwareVersion: 'bsnet-api 0.1.0',
} as const;

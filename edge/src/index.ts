export class QuotaCounter {}; export default {};

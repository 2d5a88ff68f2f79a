// The console's browser files are imported as text (`with { type: "text" }`) and embedded
// into the executable; these declarations give them a type.
declare module "*.css" {
  const text: string;
  export default text;
}
declare module "*.js" {
  const text: string;
  export default text;
}

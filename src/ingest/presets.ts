/**
 * Header formats of the 12 Loghub systems, as in logparser's benchmark settings
 * (https://github.com/logpai/logparser). Literal text between fields is regular-expression
 * source (`\[`, `\|`, `(...)?`), runs of spaces match any run of whitespace; the field names are
 * the column names of Loghub's `*_structured.csv` files. Use a name (case-insensitive) wherever a
 * format is expected.
 */
export const LOG_FORMAT_PRESETS: Readonly<Record<string, string>> = Object.freeze({
  Apache: String.raw`\[<Time>\] \[<Level>\] <Content>`,
  BGL: '<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> <Content>',
  HDFS: '<Date> <Time> <Pid> <Level> <Component>: <Content>',
  HPC: '<LogId> <Node> <Component> <State> <Time> <Flag> <Content>',
  Hadoop: String.raw`<Date> <Time> <Level> \[<Process>\] <Component>: <Content>`,
  HealthApp: String.raw`<Time>\|<Component>\|<Pid>\|<Content>`,
  Linux: String.raw`<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>`,
  OpenStack: String.raw`<Logrecord> <Date> <Time> <Pid> <Level> <Component> \[<ADDR>\] <Content>`,
  Proxifier: String.raw`\[<Time>\] <Program> - <Content>`,
  Spark: '<Date> <Time> <Level> <Component>: <Content>',
  Windows: '<Date> <Time>, <Level>                  <Component>    <Content>',
  Zookeeper: String.raw`<Date> <Time> - <Level>  \[<Node>:<Component>@<Id>\] - <Content>`,
});

const BY_LOWER_NAME = new Map(Object.keys(LOG_FORMAT_PRESETS).map((name) => [name.toLowerCase(), name]));

/** The canonical name of the preset called `name` (any case), or undefined. */
export function findPresetName(name: string): string | undefined {
  return BY_LOWER_NAME.get(name.trim().toLowerCase());
}

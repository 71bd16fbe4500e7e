// The counting sink a measured child writes its stdout into: counts bytes, lines and RECORD
// messages without keeping or parsing the output, so the parent never slows the child down.
// Only the first lines that are not RECORDs are kept (at most 1 MiB), to check exit state and errors.

const RECORD = Buffer.from('{"type":"RECORD"')
const KEEP_OTHER_BYTES = 1024 * 1024

export class CountingSink {
  bytes = 0
  lines = 0
  records = 0
  /** Lines that are not RECORDs (STATE, TRACE, LOG), up to KEEP_OTHER_BYTES in all. */
  readonly otherLines: string[] = []
  /** Non-RECORD lines not kept because the budget was spent. */
  otherDropped = 0
  private otherBudget = KEEP_OTHER_BYTES
  private otherLength = 0
  private otherOverflow = false
  /** Bytes of the current line seen so far when it is still shorter than the RECORD prefix. */
  private head: Buffer = Buffer.alloc(0)
  /** Whether the current line is a RECORD (undefined while its first bytes are still unknown). */
  private lineIsRecord: boolean | undefined = undefined
  /** The current non-RECORD line, kept while it is short enough. */
  private other: Buffer[] = []

  push(chunk: Buffer): void {
    this.bytes += chunk.length
    let pos = 0
    while (pos < chunk.length) {
      if (this.lineIsRecord === undefined) {
        const need = RECORD.length - this.head.length
        const take = chunk.subarray(pos, Math.min(chunk.length, pos + need))
        const nl = take.indexOf(10)
        const piece = nl < 0 ? take : take.subarray(0, nl)
        this.head = this.head.length === 0 ? Buffer.from(piece) : Buffer.concat([this.head, piece])
        if (nl >= 0) {
          // a line shorter than the prefix: not a RECORD
          this.keepOther(this.head)
          this.endLine(false)
          pos += nl + 1
          continue
        }
        pos += take.length
        if (this.head.length < RECORD.length) return
        this.lineIsRecord = this.head.equals(RECORD)
        if (!this.lineIsRecord) this.keepOther(this.head)
        this.head = Buffer.alloc(0)
      }
      const nl = chunk.indexOf(10, pos)
      const end = nl < 0 ? chunk.length : nl
      if (!this.lineIsRecord) this.keepOther(chunk.subarray(pos, end))
      if (nl < 0) return
      this.endLine(this.lineIsRecord === true)
      pos = nl + 1
    }
  }

  /** Call when the stream has ended; returns whether the output ended with a newline. */
  end(): boolean {
    return this.lineIsRecord === undefined && this.head.length === 0
  }

  private keepOther(part: Buffer): void {
    if (this.otherOverflow || part.length === 0) return
    if (this.otherLength + part.length > this.otherBudget) {
      this.otherOverflow = true
      this.other = []
      return
    }
    this.other.push(Buffer.from(part))
    this.otherLength += part.length
  }

  private endLine(record: boolean): void {
    this.lines++
    if (record) this.records++
    else if (this.otherOverflow) this.otherDropped++
    else if (this.otherLength > 0) {
      this.otherLines.push(Buffer.concat(this.other).toString("utf8"))
      this.otherBudget -= this.otherLength
    }
    this.other = []
    this.otherLength = 0
    this.otherOverflow = false
    this.head = Buffer.alloc(0)
    this.lineIsRecord = undefined
  }
}

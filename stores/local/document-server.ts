/**
 * @module The local document service's TCP side: frames MongoDB wire messages off each connection and
 * answers them one at a time, in order (the driver keeps one request in flight per connection and takes
 * the next message as its answer), with no reply to a fire-and-forget (moreToCome) request.
 */
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { DocumentCommands } from "./document-commands.ts";
import type { DocumentEngine } from "./document-engine.ts";
import { encodeReply, MAX_MESSAGE_BYTES, messageLength, parseRequest, ProtocolError, type Request } from "./wire-protocol.ts";

export type DocumentServer = { port: number; server: Server; openConnections(): number; close(): Promise<void> };

export async function startDocumentServer(engine: DocumentEngine, port = 0, host = "127.0.0.1"): Promise<DocumentServer> {
  const commands = new DocumentCommands(engine);
  const sockets = new Set<Socket>();
  let replyId = 1;

  const serve = (socket: Socket) => {
    sockets.add(socket);
    commands.connections++;
    socket.setNoDelay(true);
    // Chunks are kept until a whole message has arrived, then joined once (a large insert arrives in many).
    const chunks: Buffer[] = [];
    let bufferedBytes = 0;
    let queue = Promise.resolve();
    const answer = async (message: Buffer) => {
      let request: Request;
      try {
        request = parseRequest(message);
      } catch (error) {
        // An unreadable frame leaves the stream out of step: say why, then hang up, as mongod does.
        const reason = error instanceof ProtocolError ? { code: error.code, codeName: error.codeName } : { code: 9, codeName: "FailedToParse" };
        const fake = { requestId: message.readInt32LE(4), opCode: 2013, command: {}, moreToCome: false };
        socket.end(encodeReply(fake, { ok: 0, errmsg: (error as Error).message, ...reason }, replyId++));
        return;
      }
      // Only the header outlives the command: a write's documents are not held while it waits for its fsync.
      const { command, ...header } = request;
      const reply = await commands.run(command);
      if (!header.moreToCome && !socket.destroyed) socket.write(encodeReply(header, reply, replyId++));
    };
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      bufferedBytes += chunk.length;
      while (bufferedBytes >= 4) {
        if (chunks[0].length < 4) chunks.splice(0, chunks.length, Buffer.concat(chunks));
        const length = messageLength(chunks[0])!;
        if (length < 16 || length > MAX_MESSAGE_BYTES) {
          socket.destroy();
          return;
        }
        if (bufferedBytes < length) return;
        const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, bufferedBytes);
        const message = all.subarray(0, length);
        chunks.splice(0, chunks.length);
        bufferedBytes -= length;
        if (bufferedBytes) chunks.push(all.subarray(length));
        queue = queue.then(() => answer(message));
      }
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      sockets.delete(socket);
      commands.connections--;
    });
  };

  const server = createServer(serve);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    server,
    openConnections: () => sockets.size,
    async close() {
      commands.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

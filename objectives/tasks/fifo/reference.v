// fifo: synchronous FIFO, depth 8, width 8, show-ahead (first-word
// fall-through) read port. Push when full and pop when empty are ignored.
module fifo (
    input  wire       clk,
    input  wire       rst,
    input  wire       push,
    input  wire       pop,
    input  wire [7:0] din,
    output wire [7:0] dout,
    output wire       full,
    output wire       empty,
    output reg  [3:0] count
);

    reg [7:0] mem [0:7];
    reg [2:0] wr_ptr;
    reg [2:0] rd_ptr;

    assign full  = (count == 4'd8);
    assign empty = (count == 4'd0);

    wire do_push = push && !full;
    wire do_pop  = pop && !empty;

    // storage (no reset needed)
    always @(posedge clk) begin
        if (do_push)
            mem[wr_ptr] <= din;
    end

    // pointers and occupancy
    always @(posedge clk) begin
        if (rst) begin
            wr_ptr <= 3'd0;
            rd_ptr <= 3'd0;
            count  <= 4'd0;
        end else begin
            if (do_push)
                wr_ptr <= wr_ptr + 3'd1;
            if (do_pop)
                rd_ptr <= rd_ptr + 3'd1;
            if (do_push && !do_pop)
                count <= count + 4'd1;
            else if (do_pop && !do_push)
                count <= count - 4'd1;
        end
    end

    // show-ahead: the head entry is always visible
    assign dout = mem[rd_ptr];

endmodule

-- One row per order line, with the customer's user version and the product's price version in
-- effect when the order was placed. Orders carry no time zone: the local day is the order's place's
-- (the store's for an order in store, else the shipping address's), in its state's zone.
with lines as (
    select * from {{ ref('stg_order_items') }}
),

orders as (
    select * from {{ ref('stg_orders') }}
),

placed as (
    select
        l.*,
        o.user_pseudonym,
        o.status,
        o.ordered_at,
        s.store_key,
        s.channel,
        -- where: the store for an order placed in store, else where it ships
        case when s.channel = 'in-store' then coalesce(s.city, 'Unknown') else o.ship_city end as city,
        case when s.channel = 'in-store' then coalesce(s.state, '??') else o.ship_state end as state
    from lines l
    join orders o using (order_id)
    left join {{ ref('dim_store') }} s on s.store_id = o.store_id
),

zoned as (
    select p.*, coalesce(z.time_zone, d.time_zone) as time_zone
    from placed p
    left join {{ ref('state_time_zones') }} z on z.state = p.state
    left join {{ ref('state_time_zones') }} d on d.state = '??'
),

first_users as (
    select user_pseudonym, min(valid_from) as first_from from {{ ref('dim_user') }} group by user_pseudonym
),

first_products as (
    select product_id, min(valid_from) as first_from from {{ ref('dim_product') }} group by product_id
),

joined as (
    select
        -- ids and keys
        z.order_id,
        z.line_no,
        u.user_key,
        p.product_key,
        z.store_key,
        cast(strftime(timezone(z.time_zone, timezone('UTC', z.ordered_at)), '%Y%m%d') as integer) as date_key,
        cast(hash(z.state || '|' || z.city) >> 1 as bigint) as location_key,
        -- attributes
        z.channel,
        z.status,
        -- timestamps
        z.ordered_at,
        -- measures
        z.quantity,
        z.unit_price,
        z.discount_amount,
        z.net_amount
    from zoned z
    -- the user version current when the order was placed (an order from before sign-up: the first one)
    left join first_users fu on fu.user_pseudonym = z.user_pseudonym
    -- (a moment before the first version is read as its start: plain comparisons keep these joins hash joins; an OR made them nested loops)
    left join {{ ref('dim_user') }} u
        on u.user_pseudonym = z.user_pseudonym
       and greatest(z.ordered_at, fu.first_from) >= u.valid_from and greatest(z.ordered_at, fu.first_from) < u.valid_to
    -- the price version in effect then (before the first known price: the first one)
    left join first_products fp on fp.product_id = z.product_id
    left join {{ ref('dim_product') }} p
        on p.product_id = z.product_id
       and greatest(z.ordered_at, fp.first_from) >= p.valid_from and greatest(z.ordered_at, fp.first_from) < p.valid_to
),

final as (
    select * from joined
)

select * from final
